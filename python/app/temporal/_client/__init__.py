"""The client's parts, one concept a module; ``app.temporal.client`` is their public face.

- ``values``: the public values (policies, TLS settings, descriptions, history events);
- ``core_values``: what ``_core`` answers (JSON text, timestamps) read into those values,
  and durations as the seconds it takes;
- ``call``: one prepared call into the Rust core, awaited by the async face and waited
  for by the blocking one, so each operation is written once;
- ``start``: the options of a workflow start, checked and converted once;
- ``handles``, ``clients``: the async and blocking faces over those calls.
"""
