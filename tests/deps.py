#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""deps.py - the checks of the "deps" test layer: does scripts/install-deps.sh declare every
Debian package that the build, the tests, the demo and the benchmarks use?

The allowed set is the dependency closure (Depends and Pre-Depends, every installed alternative,
virtual packages through Provides) of the packages install-deps.sh declares, plus the packages
every Debian 12 system has: Essential: yes and Priority: required, which is what
`debootstrap --variant=minbase` installs. It is computed from dpkg's own database, so it needs
no apt lists and looks only at installed packages (what `apt-cache depends --recurse` gives for
them, without Recommends).

  deps.py declared INSTALL_DEPS
      every package line says why (a comment); prints "group package" lines
  deps.py trace INSTALL_DEPS GROUPS STRACE_LOG SCRATCH
      every file under /usr that a traced run opened or executed belongs to an allowed package;
      every program it executed comes from a package or from SCRATCH
  deps.py bpf-headers DEPFILE...
      no BPF object's header (from clang -MD dependency files) comes from glibc's packages
  deps.py commands INSTALL_DEPS FILE...
      every command the shell and Python scripts call, and every module the Python scripts
      import, belongs to an allowed package for the script's group

Each check prints "ok   deps/NAME" or "FAIL deps/NAME: why" lines (the failing file and its
package named) and exits 1 when one failed. Standard library only.
"""

import os
import re
import subprocess
import sys

DPKG_STATUS = "/var/lib/dpkg/status"
DPKG_INFO = "/var/lib/dpkg/info"
# The PATH a fresh Debian root has: programs are looked up there, never in /usr/local, pyenv...
DEBIAN_PATH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
# Scripts that run under another group of install-deps.sh than the default one.
# The first match wins. The Vagrant lab's provisioning runs inside its machines, whose packages
# are the box's (vagrant/lxc/build-box.sh, group "box"); the rest of the lab runs on the host.
SCRIPT_GROUPS = [
    (re.compile(r"(^|/)scripts/bench[^/]*$"), ["default", "bench"]),
    (re.compile(r"(^|/)scripts/soak-report[^/]*$"), ["default", "soak"]),
    (re.compile(r"(^|/)vagrant/provision/"), ["default", "box"]),
    (re.compile(r"(^|/)tests/vagrant-lab[^/]*$|(^|/)vagrant/"), ["default", "vagrant"]),
]
BOX_LIST = "vagrant/lxc/build-box.sh"  # relative to the tree's top, like install-deps.sh

# Files a program opens to look for something optional, never using it for xlb: not a
# dependency, and absent on a fresh machine without harm.
PROBES = {
    "/usr/local/cuda/": "clang's driver reads a CUDA installation's version on every run",
}

failures = 0


def ok(name):
    print(f"ok   deps/{name}")


def fail(name, why):
    global failures
    failures += 1
    print(f"FAIL deps/{name}: {why}")


# --- what install-deps.sh declares ---------------------------------------------------------


def read_declared(path):
    """Return ({group: [packages]}, [lines without a reason]). A bash array PACKAGES=( ... ) is
    the default group; NAME_PACKAGES=( ... ) is group "name". Words before a '#' are packages."""
    groups, unexplained = {}, []
    group = None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"\s*(?:([A-Z]+)_)?PACKAGES=\(\s*(.*)$", line)
            if m and group is None:
                group = (m.group(1) or "default").lower()
                groups.setdefault(group, [])
                line = m.group(2)
            if group is None:
                continue
            code, _, comment = line.partition("#")
            closing = ")" in code
            words = code.replace(")", " ").split()
            if words:
                groups[group].extend(words)
                if not comment.strip():
                    unexplained.append(f"{os.path.basename(path)}:{n}: {' '.join(words)}")
            if closing:
                group = None
    return groups, unexplained


# --- dpkg's database ------------------------------------------------------------------------


def read_status():
    """Return {package: fields} for every installed package in dpkg's status file."""
    pkgs = {}
    with open(DPKG_STATUS, encoding="utf-8", errors="replace") as f:
        stanzas = f.read().split("\n\n")
    for stanza in stanzas:
        fields, key = {}, None
        for line in stanza.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            pkgs[fields["Package"]] = fields
    return pkgs


def dep_names(field):
    """Every package name in a Depends-style field, alternatives included."""
    names = []
    for clause in field.split(","):
        for alt in clause.split("|"):
            name = alt.strip().split(" ")[0].split(":")[0]
            if name:
                names.append(name)
    return names


def closure(pkgs, roots):
    """The installed packages reachable from roots through Depends and Pre-Depends."""
    providers = {}
    for name, fields in pkgs.items():
        for virt in dep_names(fields.get("Provides", "")):
            providers.setdefault(virt, set()).add(name)
    seen, pending = set(), list(roots)
    while pending:
        name = pending.pop()
        for real in ({name} if name in pkgs else set()) | providers.get(name, set()):
            if real in seen:
                continue
            seen.add(real)
            fields = pkgs[real]
            pending.extend(dep_names(fields.get("Depends", "")))
            pending.extend(dep_names(fields.get("Pre-Depends", "")))
    return seen


def base_set(pkgs):
    """What every Debian 12 root has: Essential: yes and Priority: required."""
    return {
        n
        for n, f in pkgs.items()
        if f.get("Essential") == "yes" or f.get("Priority") == "required"
    }


def allowed_set(pkgs, groups, wanted):
    """The declared packages of the wanted groups (installed here or not) and the closure of
    those installed, with every Debian root's packages."""
    roots = set(base_set(pkgs))
    for g in wanted:
        roots.update(groups.get(g, []))
    return closure(pkgs, roots) | roots


def merged_forms(path):
    """The path and its other spelling under Debian's merged /usr (/bin is /usr/bin...)."""
    forms = [path]
    for top in ("/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/", "/libx32/"):
        if path.startswith(top):
            forms.append("/usr" + path)
        elif path.startswith("/usr" + top):
            forms.append(path[4:])
    return forms


class Owners:
    """Path -> owning package, from dpkg's *.list files (one read, no dpkg -S per file)."""

    def __init__(self):
        self.owner = {}
        for entry in os.listdir(DPKG_INFO):
            if not entry.endswith(".list"):
                continue
            pkg = entry[: -len(".list")].split(":")[0]
            with open(os.path.join(DPKG_INFO, entry), errors="replace") as f:
                for line in f:
                    self.owner.setdefault(line.rstrip("\n"), pkg)

    def of(self, path):
        """The package that installed path (following symlinks if the link itself is not
        owned, as /usr/bin/cc -> /etc/alternatives/cc -> gcc-12), or None."""
        candidates = merged_forms(path)
        real = os.path.realpath(path)
        if real != path:
            candidates += merged_forms(real)
        for c in candidates:
            if c in self.owner:
                return self.owner[c]
        return None


# --- the checks ------------------------------------------------------------------------------


def cmd_declared(install_deps):
    groups, unexplained = read_declared(install_deps)
    if not groups.get("default"):
        fail("declared", f"no PACKAGES=( ... ) array found in {install_deps}")
        return
    if unexplained:
        fail("declared", "package lines without a reason: " + "; ".join(unexplained))
    else:
        ok(f"declared ({sum(len(v) for v in groups.values())} packages, every line with a reason)")
    for g, names in groups.items():
        for n in names:
            print(f"# {g} {n}")


TRACE_RE = re.compile(r'^\d+\s+(execve|openat|open)\((?:AT_FDCWD, |\d+[^,]*, )?"([^"]+)"')


def trace_paths(log):
    """(executed programs, opened files) of a strace -f log of successful calls."""
    execs, opens = set(), set()
    with open(log, errors="replace") as f:
        for line in f:
            m = TRACE_RE.match(line)
            if not m or not m.group(2).startswith("/"):
                continue
            (execs if m.group(1) == "execve" else opens).add(os.path.normpath(m.group(2)))
    return execs, opens


def cmd_trace(install_deps, wanted, log, scratch):
    groups, _ = read_declared(install_deps)
    pkgs = read_status()
    allowed = allowed_set(pkgs, groups, wanted.split(","))
    owners = Owners()
    execs, opens = trace_paths(log)
    scratch = os.path.realpath(scratch)
    outside, unowned, used = {}, [], {}
    for path in sorted(execs | opens):
        if path.startswith(scratch + "/") or os.path.isdir(path):
            continue
        if any(path.startswith(p) for p in PROBES) and path not in execs:
            continue
        pkg = owners.of(path)
        if pkg is None:
            # Files that packages generate (caches, locale archives) belong to nobody; a
            # program, or any file under /usr/local, that no package installed is not Debian's.
            if path in execs or path.startswith("/usr/local/"):
                outside.setdefault("(not from a Debian package)", []).append(path)
            elif path.startswith("/usr/"):
                unowned.append(path)
            continue
        if path not in execs and not path.startswith(("/usr/", "/bin/", "/sbin/", "/lib")):
            continue  # /etc, /proc, /dev...: configuration and the kernel, not packages
        used.setdefault(pkg, []).append(path)
        if pkg not in allowed:
            outside.setdefault(pkg, []).append(path)
    name = f"trace_{wanted.replace(',', '_')}"
    if outside:
        for pkg, paths in sorted(outside.items()):
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            fail(name, f"package {pkg} is used but not declared in install-deps.sh ({shown})")
    else:
        ok(f"{name} ({len(execs)} programs, {len(opens)} files, {len(used)} packages, all declared "
           f"or in their closure; {len(unowned)} generated files under /usr owned by no package)")


SHELL_WORD = r"([A-Za-z0-9][A-Za-z0-9_.+-]*)(?![=\w.+-])"  # not an assignment
# Where a shell word is a command: at the start of a line or after an operator, a keyword, or
# one of the wrappers the scripts use to run a command elsewhere.
SHELL_CMD_RES = [
    re.compile(r"(?:^|[;&|(`]|\$\(|\bthen\b|\bdo\b|\belse\b|\bexec\b|!)[ \t]*" + SHELL_WORD, re.M),
    re.compile(r"\btimeout[ \t]+(?:-[a-z]+[ \t]+\S+[ \t]+)*[0-9.]+[smh]?[ \t]+" + SHELL_WORD),
    re.compile(r"\bnsenter[ \t]+(?:--?[a-z-]+(?:=\S+)?[ \t]+)+(?:--[ \t]+)?" + SHELL_WORD),
    re.compile(r"\bxargs[ \t]+(?:-[a-zA-Z0-9]+[ \t]+)*" + SHELL_WORD),
    re.compile(r"\bcommand[ \t]+-v[ \t]+" + SHELL_WORD),
    # the labs' "run in a node" helpers: in_node NODE CMD, in_lb CMD, "$LAB" exec NODE CMD
    # (both words after in_node/in_lb are candidates: a node's name is no program)
    re.compile(r"\bin_[a-z]+[ \t]+(?:\"[^\"]*\"|\$\S+|" + SHELL_WORD + r")(?:[ \t]+" + SHELL_WORD + ")?"),
    re.compile(r"\bexec[ \t]+[a-z0-9]+[ \t]+" + SHELL_WORD),
]
PY_CMD_RE = re.compile(r"\[\s*[\"']([A-Za-z0-9][A-Za-z0-9_.+-]*)[\"']\s*,")
PY_IMPORT_RE = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w]*)[\w.]*\s+import|import\s+([A-Za-z_][\w]*))",
                          re.M)


def strip_shell(text):
    """Drop comments, the text of single-quoted strings (which may span lines), multi-line
    arrays and here-documents (data, or another language's code). Double-quoted text stays:
    its $(...) runs commands."""
    out, heredoc, array, single, double = [], None, False, False, False
    for line in text.splitlines():
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        if array:
            array = ")" not in line.partition("#")[0]
            continue
        if not single and not double and re.match(r"\s*\w+=\(\s*(#.*)?$", line):
            array = True
            continue
        if not single and not double:
            m = re.search(r"<<-?[ \t]*['\"]?([A-Za-z_]+)['\"]?", line)
            if m:
                heredoc = m.group(1)
        kept, prev = [], " "
        for i, ch in enumerate(line):
            if single:
                single = ch != "'"
                continue
            if ch == "'" and not double and prev != "\\":
                single = True
            elif ch == '"' and prev != "\\":
                double = not double
            elif ch == "#" and not double and prev in " \t;|&(":
                break
            if not single:
                kept.append(ch)
            prev = ch
        out.append("".join(kept))
    return "\n".join(out)


def shell_builtins():
    """bash's builtins (kill, printf, test...): they run in the shell, not from a package."""
    r = subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True, text=True)
    return set(r.stdout.split())


def find_program(word):
    for d in DEBIAN_PATH:
        p = os.path.join(d, word)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def script_groups(path):
    for rx, g in SCRIPT_GROUPS:
        if rx.search(path):
            return g
    return ["default"]


def module_file(module):
    """The file of a Python module imported by Debian's python3, or None (built in / missing)."""
    r = subprocess.run(["/usr/bin/python3", "-c",
                        f"import {module}, sys; print(getattr({module}, '__file__', '') or '')"],
                       capture_output=True, text=True)
    path = r.stdout.strip()
    return path if r.returncode == 0 and path else None


def cmd_commands(install_deps, files):
    groups, _ = read_declared(install_deps)
    box = os.path.join(os.path.dirname(install_deps), "..", BOX_LIST)
    if os.path.exists(box):
        groups.update(read_declared(box)[0])
    pkgs = read_status()
    owners = Owners()
    allowed = {}
    found, bad = {}, []
    builtins = shell_builtins()
    for path in files:
        with open(path, errors="replace") as f:
            text = f.read()
        path = os.path.relpath(path)
        group = ",".join(script_groups(path))
        if group not in allowed:
            allowed[group] = allowed_set(pkgs, groups, group.split(","))
        words = set()

        def judge(what, file, key):
            """Record file's package for key, or why it may not be used by path."""
            pkg = owners.of(file)
            if pkg is None:
                bad.append(f"{path}: {what} ({file}) is not from a Debian package")
            elif pkg not in allowed[group]:
                bad.append(f"{path}: {what} is in package {pkg}, not declared")
            else:
                found[key] = pkg

        if path.endswith(".py") or text.startswith("#!/usr/bin/python") or \
                text.startswith("#!/usr/bin/env python"):
            words |= set(PY_CMD_RE.findall(text))
            for a, b in PY_IMPORT_RE.findall(text):
                mod = a or b
                file = module_file(mod)
                if file is not None:
                    judge(f"python module {mod}", file, f"py:{mod}")
        else:
            body = strip_shell(text)
            for rx in SHELL_CMD_RES:
                for m in rx.finditer(body):
                    words.update(g for g in m.groups() if g)
            words -= builtins
        for w in sorted(words):
            prog = find_program(w)
            # None: a function, a variable, a keyword or a program not installed here
            if prog is not None:
                judge(w, prog, w)
    if bad:
        for b in bad:
            fail("commands", b)
    else:
        ok(f"commands ({len(files)} scripts, {len(found)} commands and modules, every one from a "
           "declared package or its closure)")
    for w, p in sorted(found.items()):
        print(f"# {w} {p}")


LIBC_DEV = {"libc6-dev", "libc6-dev-i386", "libc6-dev-x32", "libc6-dev-amd64"}


def cmd_bpf_headers(depfiles):
    """BPF objects are built with -target bpf: a glibc header there picks the 32-bit variants
    (gnu/stubs-32.h), which a fresh machine does not have."""
    owners = Owners()
    bad, headers = [], set()
    for d in depfiles:
        with open(d) as f:
            text = f.read().replace("\\\n", " ")
        for word in text.split():
            if word.startswith("/") and not word.endswith(":"):
                headers.add(word)
    for h in sorted(headers):
        pkg = owners.of(h)
        if pkg in LIBC_DEV:
            bad.append(f"{h} ({pkg})")
    if not depfiles:
        fail("bpf_headers", "no dependency files given: the BPF objects were not built with -MD")
    elif bad:
        fail("bpf_headers", "BPF objects include glibc headers: " + ", ".join(bad))
    else:
        ok(f"bpf_headers ({len(depfiles)} objects, {len(headers)} system headers, none from glibc)")


def main(argv):
    if len(argv) >= 3 and argv[1] == "declared":
        cmd_declared(argv[2])
    elif len(argv) == 6 and argv[1] == "trace":
        cmd_trace(*argv[2:])
    elif len(argv) >= 2 and argv[1] == "bpf-headers":
        cmd_bpf_headers(argv[2:])
    elif len(argv) >= 4 and argv[1] == "commands":
        cmd_commands(argv[2], argv[3:])
    else:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
