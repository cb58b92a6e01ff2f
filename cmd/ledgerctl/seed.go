package main

import "context"

func (e env) seed(ctx context.Context, args []string) int {
	return e.fail("seed: not yet")
}
