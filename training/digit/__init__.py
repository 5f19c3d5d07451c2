"""DiGIT reference models in PyTorch: encoder, quantizer, GPTs, pixel decoders, sampler, export."""
