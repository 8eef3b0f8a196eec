"""Django settings read statically: discovery, model, Django's deploy checks, policies."""
