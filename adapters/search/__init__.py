"""Full-text search adapters: Whoosh with jieba word segmentation for Chinese."""
