package gormstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// In WAL mode SQLite appends every commit to the -wal file and, by
// default, the connection that commits copies the WAL back into the
// database (a checkpoint, with an fsync of both files) whenever the WAL
// passes 1,000 pages. On a Store that connection is the one writer every
// write queues for, so each checkpoint stalled every send and delivery
// behind it for the length of two fsyncs. The writer's automatic
// checkpoints are off instead, and a checkpointer goroutine with its own
// connection runs PASSIVE checkpoints, which never block the writer or the
// readers, every sqliteCheckpointEvery. The writer still restarts the WAL
// from its beginning once a checkpoint copied all of it, and a restarted
// WAL file is truncated to sqliteWALSizeLimit, so the file stays bounded
// while the Store runs.
const (
	sqliteCheckpointEvery = 250 * time.Millisecond
	sqliteWALSizeLimit    = 64 << 20
)

// checkpointer runs PASSIVE checkpoints on its own connection until
// stopped.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	runs atomic.Int64 // checkpoints run
	// log and copied are the WAL's frames and those of them copied into
	// the database, as the last checkpoint found them.
	log, copied atomic.Int64
}

// startCheckpointer opens a connection with dsn and starts checkpointing.
func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := openSQLiteDB(dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, err
	}
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Go(c.loop)
	return c, nil
}

func (c *checkpointer) loop() {
	t := time.NewTicker(sqliteCheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.checkpoint()
		}
	}
}

// checkpoint runs one PASSIVE checkpoint. A failure (the database busy, a
// disk error) leaves the WAL as it is for the next attempt: commits are
// durable in the WAL whether or not it has been copied back.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var busy, log, copied int64
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied); err != nil {
		return
	}
	c.log.Store(log)
	c.copied.Store(copied)
	c.runs.Add(1)
}

// close stops the checkpoints and closes the connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.done.Wait()
	return c.db.Close()
}
