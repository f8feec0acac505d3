"""The platform-neutral domain core: it knows nothing of Slack or Teams."""
