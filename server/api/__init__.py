"""The core resources over HTTP: a blueprint per noun (login, accounts, devices, regions, push and
pull, conflicts, photos), the built PWA and the API page."""
