"""Where a benchmark's servers keep their files, with --fresh-fs.

This machine's root file system is an ext4 without a journal, and such an ext4 does not
reuse an inode freed in the last 5 s (305 s while its inode-table block is dirty): each
file made after a large delete walks past every inode freed lately (the kernel's
`recently_deleted`). A benchmark that followed another's teardown (thousands of files
removed) spent up to 40 % of the server's CPU making files (the outbox's, Postfix's queue
files) for minutes, in sealpost and in Postfix alike. With --fresh-fs (root only) the
servers of the run (sealpost and its peer) keep their files on a new ext4 with a journal
(Debian's default), on a loop device with direct I/O, made for the run and removed after.
Its syncs cost more than the root file system's (a journal commit each), and no earlier
run's deletes reach it."""
import contextlib
import os
import shutil
import subprocess
import tempfile


def add_argument(parser):
    parser.add_argument("--fresh-fs", action="store_true",
                        help="keep the servers' files on a new journaled ext4 made for the run "
                             "(root; see bench/fresh_fs.py)")


@contextlib.contextmanager
def fresh_fs(enabled, size_gib=4):
    """Yields the mount point (and makes it tempfile's directory meanwhile), or None when
    not `enabled`."""
    if not enabled:
        yield None
        return
    if os.geteuid() != 0:
        raise SystemExit("--fresh-fs mounts a file system: run as root")
    base = tempfile.mkdtemp(prefix="sealpost-bench-fs-", dir="/var/tmp")
    os.chmod(base, 0o755)  # Postfix's unprivileged processes reach their files through it
    image, mount_point = os.path.join(base, "fs.img"), os.path.join(base, "mnt")
    os.mkdir(mount_point)
    loop = None
    mounted = False
    saved = tempfile.tempdir
    try:
        # Allocated up front: the image's own blocks are not allocated while the run writes.
        subprocess.run(["fallocate", "-l", f"{size_gib}G", image], check=True, timeout=60)
        loop = subprocess.run(["losetup", "--direct-io=on", "--find", "--show", image],
                              check=True, capture_output=True, text=True,
                              timeout=60).stdout.strip()
        subprocess.run(["mkfs.ext4", "-q", "-F", loop], check=True, timeout=120)
        subprocess.run(["mount", loop, mount_point], check=True, timeout=60)
        mounted = True
        os.chmod(mount_point, 0o1777)
        tempfile.tempdir = mount_point
        yield mount_point
    finally:
        tempfile.tempdir = saved
        if mounted and subprocess.run(["umount", mount_point], timeout=120).returncode != 0:
            # Something still holds a file there (a peer slow to exit): gone once it lets go.
            subprocess.run(["umount", "--lazy", mount_point], timeout=60)
        if loop:
            subprocess.run(["losetup", "--detach", loop], timeout=60)
        shutil.rmtree(base, ignore_errors=True)
