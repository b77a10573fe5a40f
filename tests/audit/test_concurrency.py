import threading

import pytest
from django.db import connection

from fangpin.audit.models import AuditEvent
from fangpin.audit.services import audit_record, audit_verify


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                audit_record(actor=f"writer{n}", action="test.concurrent", object_id=str(i))
        except BaseException as e:  # collected and re-raised in the main thread
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditEvent.objects.count() == 45
    assert audit_verify().ok
