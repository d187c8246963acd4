package pgdb

import "time"

// Stats is a snapshot of a DB's pool and of its rejections.
type Stats struct {
	// Ready reports whether start-up (extension, migrations) has completed.
	Ready bool

	MaxConns          int32 // the size of the pool
	TotalConns        int32 // open connections: acquired + idle + being opened
	AcquiredConns     int32 // connections in use by calls
	IdleConns         int32 // open connections waiting for a call
	ConstructingConns int32 // connections being opened

	AcquireCount         int64         // successful acquires
	EmptyAcquireCount    int64         // acquires that had to wait or open a connection
	CanceledAcquireCount int64         // acquires abandoned by their context
	AcquireDuration      time.Duration // total time spent in successful acquires
	EmptyAcquireWaitTime time.Duration // total time waited by empty acquires

	BusyCount        int64 // calls rejected with ErrBusy
	UnavailableCount int64 // calls rejected with ErrUnavailable
}

// UtilizationPercent is the share of the pool in use, 0 to 100.
func (s Stats) UtilizationPercent() float64 {
	if s.MaxConns <= 0 {
		return 0
	}
	return 100 * float64(s.AcquiredConns) / float64(s.MaxConns)
}

// Stats returns a snapshot of the pool. It does not block.
func (db *DB) Stats() Stats {
	st := db.pool.Stat()
	return Stats{
		Ready:                db.ready.Load(),
		MaxConns:             st.MaxConns(),
		TotalConns:           st.TotalConns(),
		AcquiredConns:        st.AcquiredConns(),
		IdleConns:            st.IdleConns(),
		ConstructingConns:    st.ConstructingConns(),
		AcquireCount:         st.AcquireCount(),
		EmptyAcquireCount:    st.EmptyAcquireCount(),
		CanceledAcquireCount: st.CanceledAcquireCount(),
		AcquireDuration:      st.AcquireDuration(),
		EmptyAcquireWaitTime: st.EmptyAcquireWaitTime(),
		BusyCount:            db.busyCount.Load(),
		UnavailableCount:     db.unavailableCount.Load(),
	}
}
