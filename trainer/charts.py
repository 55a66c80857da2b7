"""What every chart the app draws (pygal SVG, served inline) has in common."""
from __future__ import annotations


def without_scripts(root):
    """pygal always writes a config <script>; drop it and the generator comments, so an inline chart
    runs no script under the page's Content-Security-Policy."""
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root
