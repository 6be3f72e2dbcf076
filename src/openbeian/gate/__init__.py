"""The enforcement gate: decides, for an access provider and a host name, whether its edge may serve it.

It reads the registry (or follows another OpenBeian's change feed) and never writes it.

- decision.py: the vocabulary (allowed / pending / suspended / unknown, with reasons) and host normalisation.
- index.py: GateIndex, every filed domain in a marisa-trie with a packed 64-bit state each; `decide(host,
  provider_id)`, `allowed(provider_id | None) -> Iterator[str]` (for exports), `apply_change()`.
- source.py: the registry read by streaming SQL: `load_index(database_url)`, the snapshot, the feed's states,
  `check_host()` / `decide_many()` for a few hosts.
- feed.py: the HTTP answers of /api/v1/registry/changes (long-poll) and /registry/snapshot.
- follow.py: DatabaseFollower / FeedFollower keep an index current; `index_from_snapshot()`.
- asgi.py: `gate serve`, the bare ASGI auth endpoint; blockpage.py: the bilingual block page.
- sni.py, clienthello.py: the TLS SNI proxy; export.py, haproxy.py: maps for nginx / HAProxy.
"""
