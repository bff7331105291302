// Package tagstore keeps the tag list of every ImageRepository on the controller's volume.
//
// A scan can return thousands of tags; they do not belong in the object's status (etcd object
// size) nor in the controller's heap (hundreds of repositories). Each list is one small gzip'd
// JSON file, <root>/<namespace>/<name>.json.gz, written atomically (temporary file, fsync,
// rename), so a crash never leaves a half-written list, and read back on demand: after a restart
// the controller finds the lists where it left them. Memory use is bounded by the one list being
// read or written. The imagerepository reconciler writes the lists and the imagepolicy
// reconciler reads them; both run in the same process.
package tagstore
