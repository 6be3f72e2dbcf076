"""OpenBeian: an open-source implementation of China's ICP filing system (ICP备案)."""

__version__ = "0.1.0"
