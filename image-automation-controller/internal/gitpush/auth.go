package gitpush

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/fluxcd/pkg/git"
	"github.com/fluxcd/pkg/ssh/knownhosts"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// AuthOptions parses a GitRepository URL and the data of its Secret (nil for none) into
// transport options. It is fluxcd/pkg/git.NewAuthOptions with an error that never quotes the
// URL's credentials.
func AuthOptions(rawURL string, data map[string][]byte) (*git.AuthOptions, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid Git URL %q", MaskURL(rawURL))
	}
	opts, err := git.NewAuthOptions(*u, data)
	if err != nil {
		return nil, fmt.Errorf("invalid Git credentials for %s: %w", MaskURL(rawURL), err)
	}
	return opts, nil
}

// authMethod builds go-git's transport auth from the options. The warm clone needs fetches,
// which fluxcd/pkg/git/gogit's client does not offer, so go-git is driven directly.
func authMethod(opts *git.AuthOptions) (transport.AuthMethod, error) {
	if opts == nil {
		return nil, nil
	}
	switch opts.Transport {
	case git.HTTP, git.HTTPS:
		switch {
		case opts.Username != "" || opts.Password != "":
			return &http.BasicAuth{Username: opts.Username, Password: opts.Password}, nil
		case opts.BearerToken != "":
			return &http.TokenAuth{Token: opts.BearerToken}, nil
		}
		return nil, nil
	case git.SSH:
		keys, err := gitssh.NewPublicKeys(opts.Username, opts.Identity, opts.Password)
		if err != nil {
			return nil, fmt.Errorf("invalid SSH identity: %w", err)
		}
		callback, algos, err := knownhosts.New(opts.KnownHosts)
		if err != nil {
			return nil, fmt.Errorf("invalid known_hosts: %w", err)
		}
		keys.HostKeyCallback = callback
		return &publicKeys{PublicKeys: keys, hostKeyAlgos: algos}, nil
	default:
		return nil, fmt.Errorf("unsupported transport %q", opts.Transport)
	}
}

// publicKeys offers only the host key algorithms known_hosts has keys for; otherwise the server
// may present a key type that is not listed and the connection fails.
type publicKeys struct {
	*gitssh.PublicKeys
	hostKeyAlgos []string
}

func (p *publicKeys) ClientConfig() (*gossh.ClientConfig, error) {
	cfg, err := p.PublicKeys.ClientConfig()
	if err != nil {
		return nil, err
	}
	algos := p.hostKeyAlgos
	if len(algos) == 1 && algos[0] == gossh.KeyAlgoRSA {
		// Prefer the SHA-2 signatures of an RSA host key.
		algos = []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSA}
	}
	cfg.HostKeyAlgorithms = algos
	return cfg, nil
}

// MaskURL removes the password of a URL's user info.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "*****")
		return strings.Replace(u.String(), "%2A%2A%2A%2A%2A", "*****", 1)
	}
	return raw
}

// scrub removes every secret the options carry from an error message.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

func scrub(err error, rawURL string, opts *git.AuthOptions, extra ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if masked := MaskURL(rawURL); masked != rawURL {
		msg = strings.ReplaceAll(msg, rawURL, masked)
	}
	secrets := extra
	if opts != nil {
		secrets = append(secrets, opts.Password, opts.BearerToken)
	}
	for _, secret := range secrets {
		if len(secret) >= 4 {
			msg = strings.ReplaceAll(msg, secret, "*****")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}
