#!/usr/bin/env python3
"""Django's command-line utility; `weibao` is the installed equivalent."""

from weibao.cli import main

if __name__ == "__main__":
    main()
