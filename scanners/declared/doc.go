// Package declared is the scanner of the config's declared: section: the
// licences, backups, provider relationships (GDAP, reseller links), assets
// (internet lines, hardware, domains, software) and attestations that no API
// shows. "If it isn't written down, it does not exist": this makes what is
// written down part of the snapshot.
//
// Items that name a target are placed in that target's system so that
// per-system checks count them; the rest go in the "declared" system.
// It must not read anything but the config it is given.
package declared
