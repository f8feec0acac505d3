"""Teams listeners (`agent`) and Adaptive Card builders (`cards`, `forms`).

The transport (authentication, connector, messenger) lives in `bot.teams`; everything a Teams
user sees is built here, from the same core calls the Slack listeners make.
"""
