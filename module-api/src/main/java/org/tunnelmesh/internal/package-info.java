/**
 * Not API: the peer table's rules, the state file, the strict JSON reader and the checks on files
 * the node trusts, shared by tunnelmesh's own modules. Exported only to them; may change in any
 * release.
 */
package org.tunnelmesh.internal;
