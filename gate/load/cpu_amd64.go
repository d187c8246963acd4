package load

import "encoding/binary"

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// cpuBrand is the processor's brand string from CPUID, as Go's testing
// package prints it on the cpu: line, or "".
func cpuBrand() string {
	if maxExt, _, _, _ := cpuid(0x80000000, 0); maxExt < 0x80000004 {
		return ""
	}
	data := make([]byte, 0, 48)
	for leaf := uint32(0x80000002); leaf <= 0x80000004; leaf++ {
		a, b, c, d := cpuid(leaf, 0)
		for _, r := range [...]uint32{a, b, c, d} {
			data = binary.LittleEndian.AppendUint32(data, r)
		}
	}
	for len(data) > 0 && data[0] == ' ' {
		data = data[1:]
	}
	for i, c := range data {
		if c == 0 {
			data = data[:i]
			break
		}
	}
	return string(data)
}
