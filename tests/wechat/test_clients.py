"""The WeChat clients the notice senders borrow: put back after use and lent again, never to
two threads at once, and never across a change of settings or a fork."""

from __future__ import annotations

import os
import threading

from campaigns.wechat.clients import borrowed_client


def test_a_client_put_back_is_lent_again(app):
    with borrowed_client() as first:
        pass
    with borrowed_client() as again:
        assert again is first


def test_two_borrowers_at_once_get_two_clients(app):
    with borrowed_client() as held:
        lent = []
        thread = threading.Thread(target=lambda: lent.append(_borrow_once(app)))
        thread.start()
        thread.join()
        assert lent and lent[0] is not held


def test_other_settings_get_a_client_of_their_own(app):
    with borrowed_client() as before:
        pass
    app.config["WECHAT_API_BASE_URL"] = "http://127.0.0.1:9/"
    with borrowed_client() as after:
        assert after is not before
        assert after.API_BASE_URL == "http://127.0.0.1:9/cgi-bin/"


def test_a_forked_child_builds_its_own(app):
    with borrowed_client() as parent:
        pass
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its parent's client holds the parent's sockets
        with borrowed_client() as child:
            os.write(write, b"new" if child is not parent else b"same")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 8) == b"new"


def _borrow_once(app):
    with app.app_context(), borrowed_client() as client:
        return client
