package cms

import (
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// berMaxDepth bounds the nesting of a CMS envelope (ours is 10 deep).
const berMaxDepth = 16

// BERToDER rewrites the indefinite lengths of a BER encoding as definite
// DER lengths so that cryptobyte can parse it strictly. It accepts only what a
// CMS envelope needs: low tag numbers, minimal definite lengths of at most four
// bytes, indefinite lengths on constructed elements only, and no trailing
// bytes. A constructed string stays constructed (the caller decides whether it
// takes chunks). Everything else is a wrap.ErrMalformedEnvelope error.
func BERToDER(in []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, len(in)))
	rest, err := berElement(b, in, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, Malformed("%d trailing bytes", len(rest))
	}
	out, err := b.Bytes()
	if err != nil {
		return nil, Malformed("%v", err)
	}
	return out, nil
}

// berElement converts the element at the start of in, appends its DER to b
// and returns what follows it.
func berElement(b *cryptobyte.Builder, in []byte, depth int) ([]byte, error) {
	if depth > berMaxDepth {
		return nil, Malformed("nested more than %d deep", berMaxDepth)
	}
	if len(in) < 2 {
		return nil, Malformed("truncated element header")
	}
	tag, lenByte := in[0], in[1]
	in = in[2:]
	switch {
	case tag == 0:
		return nil, Malformed("unexpected end-of-contents")
	case tag&0x1f == 0x1f:
		return nil, Malformed("high tag number form is not supported")
	}
	constructed := tag&0x20 != 0
	if lenByte == 0x80 {
		if !constructed {
			return nil, Malformed("indefinite length on a primitive element")
		}
		var err error
		b.AddASN1(cbasn1.Tag(tag), func(child *cryptobyte.Builder) {
			for err == nil {
				if len(in) < 2 {
					err = Malformed("indefinite-length element lacks its end-of-contents")
					return
				}
				if in[0] == 0 && in[1] == 0 {
					in = in[2:]
					return
				}
				in, err = berElement(child, in, depth+1)
			}
		})
		return in, err
	}
	n, in, err := berLength(lenByte, in)
	if err != nil {
		return nil, err
	}
	content, rest := in[:n], in[n:]
	if !constructed {
		b.AddASN1(cbasn1.Tag(tag), func(child *cryptobyte.Builder) { child.AddBytes(content) })
		return rest, nil
	}
	b.AddASN1(cbasn1.Tag(tag), func(child *cryptobyte.Builder) {
		for err == nil && len(content) > 0 {
			content, err = berElement(child, content, depth+1)
		}
	})
	return rest, err
}

// berLength decodes a definite length whose first octet is first, checking
// it is minimal and within in; it returns the length and the bytes after it.
func berLength(first byte, in []byte) (int, []byte, error) {
	n := int(first)
	if first&0x80 != 0 {
		count := int(first & 0x7f)
		if count > 4 {
			return 0, nil, Malformed("length of more than four bytes")
		}
		if len(in) < count {
			return 0, nil, Malformed("truncated length")
		}
		n = 0
		for _, c := range in[:count] {
			n = n<<8 | int(c)
		}
		if n < 0x80 || in[0] == 0 {
			return 0, nil, Malformed("non-minimal length encoding")
		}
		in = in[count:]
	}
	if n > len(in) {
		return 0, nil, Malformed("element of %d bytes runs past the end (%d left)", n, len(in))
	}
	return n, in, nil
}
