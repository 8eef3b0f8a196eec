"""Static evaluation of Python source with ast only: audited code is never imported or run."""
