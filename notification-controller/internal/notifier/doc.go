// Package notifier turns one event into one outgoing notification, one file per Provider type,
// each with that service's exact wire format (slack.go, msteams.go, github.go, ...).
//
// New builds a notifier from Options (address, channel, username, token, headers, TLS and proxy,
// already read from the Provider and its Secrets by package dispatch). Every notifier sends through
// one HTTP helper (http.go) that retries with backoff, enforces the caller's deadline and keeps
// credentials out of errors: the Secret's address and token often are the credential (a Slack
// webhook URL, a Telegram bot token in the path), so errors name only the scheme and host.
// Provider types the API accepts but Eddy does not implement yet fail with ErrUnsupported.
package notifier
