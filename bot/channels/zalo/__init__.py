"""The Zalo Bot Platform channel: client, event translation, sending, the channel."""
