"""fashion-mini: DiGIT on Fashion-MNIST (28x28 gray, 10 classes), trained on a 2-core CPU."""
from digit.encoder import EncoderConfig
from stages.ssl import SSLConfig

ID = "fashion-mini"
TITLE = "Fashion-MNIST mini DiGIT"
LICENSE = "MIT (weights trained by this project on Fashion-MNIST, MIT)"
DATA = "Fashion-MNIST (Zalando Research, MIT) from Debian's dataset-fashion-mnist; train split only"

ENCODER = EncoderConfig(input_size=28, encoder_size=28, patch_size=4, conv_stem=True, dim=64,
                        n_head=2, n_registers=0, feature_block=3, pos_grid=7, in_channels=1,
                        mean=(0.286,), std=(0.353,))
SSL = SSLConfig(steps=1000, batch=96, lr=1e-3, warmup=80)


def load_data():
    from data.fashion import CLASSES, load
    train_x, train_y = load("train")
    test_x, test_y = load("test")
    return {"classes": CLASSES, "train": (train_x, train_y), "test": (test_x, test_y)}
