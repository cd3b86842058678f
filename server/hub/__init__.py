"""The kecamatan hub: the same server, started with an upstream, relaying its devices' ops there.

`relay` runs one cycle (push what the hub's devices wrote, then take upstream's answers); `cli`
holds `flask hub sync` and `flask hub run`.
"""
