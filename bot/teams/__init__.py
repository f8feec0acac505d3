"""The Microsoft Teams adapter: transport on the Microsoft 365 Agents SDK (hosted on aiohttp).

`auth` checks incoming activities, `connector` and `tokens` make the outgoing calls, `messenger`
implements the core's `Messenger`, `hosting` wires it all into the one aiohttp app, and
`double` is a local Bot Connector for tests and the demo. Listeners and cards: `handlers.teams`.
"""
