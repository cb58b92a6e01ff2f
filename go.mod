module github.com/cxzy/ledger

go 1.26.8

require github.com/google/uuid v1.6.0

require (
	go.etcd.io/bbolt v1.4.3 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
