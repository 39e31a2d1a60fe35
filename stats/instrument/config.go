package instrument

import (
	"slices"

	"github.com/notifykit/notify"
)

// Config returns cfg ready to be measured, for notify.New: when cfg.Stats is
// set, Stats gets prefix before every name (Prefix; an empty prefix sends
// bare names) and the Store, the Queue, every provider and the Sandbox are
// wrapped with Store, Queue and Provider on that Stats. A nil Sandbox is
// replaced by notify.BuiltinSandbox, wrapped. Nil providers stay nil, for
// notify.New to refuse; the caller's Providers slice is not modified. When
// cfg.Stats is nil, cfg is returned as it is.
//
//	n, err := notify.New(instrument.Config(cfg, instrument.DefaultPrefix))
func Config(cfg notify.Config, prefix string) notify.Config {
	if cfg.Stats == nil {
		return cfg
	}
	cfg.Stats = Prefix(cfg.Stats, prefix)
	cfg.Store = Store(cfg.Store, cfg.Stats)
	cfg.Queue = Queue(cfg.Queue, cfg.Stats)
	cfg.Providers = slices.Clone(cfg.Providers)
	for i, p := range cfg.Providers {
		cfg.Providers[i] = Provider(p, cfg.Stats)
	}
	if cfg.Sandbox == nil {
		cfg.Sandbox = notify.BuiltinSandbox()
	}
	cfg.Sandbox = Provider(cfg.Sandbox, cfg.Stats)
	return cfg
}
