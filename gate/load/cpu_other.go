//go:build !amd64

package load

func cpuBrand() string { return "" }
