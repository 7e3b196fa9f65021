"""Ready workflows (``*.asl.json``, loaded by ``manage.py load_examples``) and their Lambda handlers."""
