#!/usr/bin/env python3
"""Prints what `kind build node-image` writes into a node and which images that needs, read from
kind's own source (pkg/build/nodeimage/const_cni.go and const_storage.go of the kind Go module), so
that a node image built by hack/kind-node-image.sh matches the kind version pinned there.
  kind-defaults.py KIND_SRC manifest cni|storage   the manifest (kind templates the CNI one at create)
  kind-defaults.py KIND_SRC images                 the CNI's and storage's images, one a line
"""
import re
import sys


def go_constants(text):
    return dict(re.findall(r'^const (\w+)\s*=\s*"([^"]*)"', text, re.M))


def go_string_expression(text, name, constants):
    """The value of `const name = `...` + ident + `...``, a raw string joined with constants."""
    start = text.index('const %s = `' % name) + len('const %s = `' % name)
    value, pos = '', start
    while True:
        end = text.index('`', pos)
        value += text[pos:end]
        joined = re.compile(r'`\s*\+\s*(\w+)\s*\+\s*`').match(text, end)
        if not joined:
            return value
        value += constants[joined.group(1)]
        pos = joined.end()


def main():
    source, what = sys.argv[1], sys.argv[2]
    files = {kind: open('%s/pkg/build/nodeimage/const_%s.go' % (source, kind)).read() for kind in ('cni', 'storage')}
    constants = {}
    for text in files.values():
        constants.update(go_constants(text))
    if what == 'images':
        for image in ('kindnetdImage', 'storageProvisionerImage', 'storageHelperImage'):
            print(constants[image])
    elif what == 'manifest':
        kind = sys.argv[3]
        name = {'cni': 'defaultCNIManifest', 'storage': 'defaultStorageManifest'}[kind]
        sys.stdout.write(go_string_expression(files[kind], name, constants))
    else:
        sys.exit('usage: kind-defaults.py KIND_SRC images | manifest cni|storage')


if __name__ == '__main__':
    main()
