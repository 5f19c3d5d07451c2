// The pixel decoders (and the baseline's path) in words a newcomer follows.

/** Short names for pickers. */
export const DECODER_NAMES: Record<string, string> = {
  direct: 'direct decoder',
  'ar-vq': "stage 2 + VQ decoder (the paper's path)",
  'vq-gpt': "VQ-token GPT (the paper's baseline)",
};

/** What each pixel decoder is, in one line. */
export const DECODER_HELP: Record<string, string> = {
  direct: 'direct: a decoder trained to paint pixels straight from the DiGIT tokens, in one pass',
  'ar-vq':
    "ar-vq, the paper's path: a second GPT translates the DiGIT tokens into a VQ autoencoder's tokens, " +
    'which its decoder paints',
  'vq-gpt':
    "vq-gpt, the paper's baseline: not DiGIT at all, but the same GPT trained on a VQ autoencoder's tokens " +
    "(made to redraw pixels, not to tell images apart), painted by that autoencoder's decoder",
};
