"""Accuracy figures and the training plot the training commands (train_har.py, train_kws.py) write."""

import numpy as np


def per_class(y, pred, class_names):
    """{class name: accuracy on its examples, or None without examples}; y, pred (n,) class ids."""
    return {
        name: float((pred[y == c] == c).mean()) if (y == c).any() else None
        for c, name in enumerate(class_names)
    }


def confusion(y, pred, n_classes):
    """(n_classes, n_classes) counts, rows true class, columns predicted."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (y, pred), 1)
    return m


def plot_training(curve, conf, class_names, path, *, scored, figsize, fontsize):
    """Training loss and float accuracy per epoch (curve: [(epoch, loss, accuracy)]) beside the INT8
    confusion matrix, both on the examples `scored` names (e.g. 'validation subjects'); written to
    path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep, loss, acc = zip(*curve)
    fig, ax = plt.subplots(1, 2, figsize=figsize)
    ax[0].plot(ep, loss, label="train loss")
    ax[0].plot(ep, acc, label=f"float accuracy, {scored}")
    ax[0].set_xlabel("epoch")
    ax[0].legend()
    ax[1].imshow(conf, cmap="Blues")
    ax[1].set_xticks(range(len(conf)), class_names, rotation=45, ha="right")
    ax[1].set_yticks(range(len(conf)), class_names)
    for i in range(len(conf)):
        for j in range(len(conf)):
            ax[1].text(j, i, conf[i][j], ha="center", va="center", fontsize=fontsize)
    ax[1].set_title(f"INT8 (C kernel) confusion, {scored}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
