"""Forks while another thread holds the tracker's Python frame-table lock; the child then needs that lock.
Run under `leakscope run` (full tracking). Prints one line and exits 1 when a child hung.

The window is made wide on purpose: the other thread allocates (through ctypes, so without the GIL) from
a code object padded with two million NOPs, each with its own line-table entry, so the tracker's look-up
of that line (PyCode_Addr2Line, under the lock) scans two million entries."""
import ctypes
import dis
import os
import sys
import threading
import time

libc = ctypes.CDLL(None)  # CDLL calls release the GIL
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
malloc, free = libc.malloc, libc.free
ready = threading.Event()


def allocate_without_gil():
    ready.set()
    free(malloc(64))


def child_work():
    return bytearray(5000)


def padded(fn, n):
    """fn with n NOPs after its RESUME, each with its own line-table entry (3.11 format: 0xe8 = no column,
    then a line delta of 0): a new code object whose later lines cost a scan of n entries to look up."""
    code = fn.__code__
    assert code.co_code[0] == dis.opmap["RESUME"]
    table = code.co_linetable
    second = next(i for i in range(1, len(table)) if table[i] & 0x80)
    return type(fn)(code.replace(co_code=code.co_code[:2] + bytes([dis.opmap["NOP"], 0]) * n + code.co_code[2:],
                                 co_linetable=table[:second] + b"\xe8\x00" * n + table[second:]), fn.__globals__)


hung = 0
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
for i in range(rounds):
    ready.clear()
    slow = padded(allocate_without_gil, 2_000_000)
    worker = threading.Thread(target=slow)
    worker.start()
    ready.wait()
    time.sleep(0.002)  # the worker is now inside malloc, the tracker interning its frame under the lock
    pid = os.fork()
    if pid == 0:
        type(child_work)(child_work.__code__.replace(co_name="child%d" % i), globals())()  # a new frame: the lock
        os._exit(0)
    deadline = time.monotonic() + 5
    while not os.waitpid(pid, os.WNOHANG)[0]:
        if time.monotonic() > deadline:
            hung += 1
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    worker.join()
print(f"forks {rounds} hung {hung}")
sys.exit(1 if hung else 0)
