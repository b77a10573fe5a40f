"""Secrets come from the environment; on a developer or demo machine they are generated once into the data
folder (never into the repository), so a fresh clone works without set-up and nothing secret is committed."""

import base64
import json
import os
import secrets
from pathlib import Path

SECRET_NAMES = ("SECRET_KEY", "FANGPIN_ID_ENCRYPTION_KEY", "FANGPIN_ID_HASH_KEY")


def _generate(name: str) -> str:
    if name == "SECRET_KEY":
        return secrets.token_urlsafe(50)
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def load_secrets(data_dir: Path, *, allow_generate: bool) -> dict[str, str]:
    """Each secret from the environment, else from `data_dir/secrets.json`, else (if allowed) a new one."""
    path = data_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    values: dict[str, str] = {}
    missing = []
    generated = False
    for name in SECRET_NAMES:
        value = os.environ.get(name) or stored.get(name)
        if not value:
            if not allow_generate:
                missing.append(name)
                continue
            value = stored[name] = _generate(name)
            generated = True
        values[name] = value
    if missing:
        raise RuntimeError(f"Missing secrets in the environment: {', '.join(missing)}")
    if generated:
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return values
