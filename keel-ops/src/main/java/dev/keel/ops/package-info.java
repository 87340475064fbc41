/** Backup and recovery, and later insight, health, metrics and maintenance. */
package dev.keel.ops;
