"""Secret scanning for the ``secrets`` collector (docs/secrets.md).

    detectors   the catalogue checks/secrets/detectors.yaml, loaded and checked
    validators  structural checks a detector can name (checksums, decodable headers)
    keywords    the one-pass keyword prefilter
    engine      detectors over a blob, or over what changed since its parent blob
    gitwalk     refs, the history walk and blob contents from a few git processes
    graph       commit graph: reachability, oldest commit, refs containing a commit
    history     the whole-repository scan (and the plain-folder one)
    worktree    files on disk, read without following links
    cache       incremental results outside the repository, verified on read
    allowlist   .auditor/secrets-allowlist.yaml
    report      findings and facts, one per distinct secret

Raw values exist only inside ``engine`` while a match is checked; everything else
handles ``auditor.redact.redact`` output and fingerprints.
"""
