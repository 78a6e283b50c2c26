"""`idc demo`: the README's story against an embedded local Identity Center (:mod:`idc.demo.story`)."""
