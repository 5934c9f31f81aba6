// Placeholder until tools/testenv builds the reference binaries (kube-apiserver, etcd, helm, fortio).
console.log('testenv: nothing to install yet');
