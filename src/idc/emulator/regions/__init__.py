"""The local Identity Center in several Regions (``idc emulator --regions``): see :mod:`.instance`."""
