;; Fingerprints in WebAssembly: a state's difference from the reference, and its 64-bit hash
;; (fingerprint.ts). Assembled by scripts/build-wasm.mjs (wabt) into fingerprint-wasm.generated.ts.
;;
;; The functions work on the memory the fingerprinter imports ("m" "mem"), where it keeps the
;; reference, the difference, the fingerprint and the explorer's successor vectors. Every
;; address is a byte address; vectors start 16-aligned.
(module
  (import "m" "mem" (memory 1))

  ;; scan(s, ref, n, out): writes an (index, value) pair at `out` for each word of s[0..n) that
  ;; differs from ref[0..n), in index order; returns the number of words written. Four words
  ;; are compared at a time; the differing ones of a group are found by their bits in the mask
  ;; (count trailing zeros), so a group where nothing differs costs one branch, and one where
  ;; something does a pass of a short loop per differing word.
  ;; s, ref: 16-aligned byte addresses.
  (func $scan (export "scan") (param $s i32) (param $ref i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $w i32) (local $end i32) (local $p i32) (local $q i32) (local $mask i32) (local $k i32)
    (local.set $w (local.get $out))
    (local.set $p (local.get $s))
    (local.set $q (local.get $ref))
    (local.set $end (i32.add (local.get $s) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $mask (i32x4.bitmask (i32x4.ne (v128.load (local.get $p)) (v128.load (local.get $q)))))
        (if (local.get $mask)
          (then
            (loop $bits
              (local.set $k (i32.ctz (local.get $mask)))
              (i32.store (local.get $w) (i32.add (local.get $i) (local.get $k)))
              (i32.store offset=4 (local.get $w)
                (i32.load (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 2)))))
              (local.set $w (i32.add (local.get $w) (i32.const 8)))
              (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
              (br_if $bits (local.get $mask)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $l4)))
    ;; The last 0-3 words.
    (block $done1
      (loop $l1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.ne (i32.load (local.get $p)) (i32.load (local.get $q)))
          (then
            (i32.store (local.get $w) (local.get $i))
            (i32.store offset=4 (local.get $w) (i32.load (local.get $p)))
            (local.set $w (i32.add (local.get $w) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $l1)))
    (i32.shr_u (i32.sub (local.get $w) (local.get $out)) (i32.const 2)))

  ;; murmur3's final avalanche.
  (func $fmix (param $h i32) (result i32)
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; hash(v, n, out): fingerprint.ts's `fingerprint` of the n words at byte address v
  ;; (16-aligned), word for word the same function: the four lanes of each half are the four
  ;; lanes of one vector. out[0] = high half, out[1] = low half.
  (func $hash (export "hash") (param $v i32) (param $n i32) (param $out i32)
    (local $a v128) (local $b v128) (local $k v128) (local $end i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32) (local $x i32)
    ;; Seeds: a = (SA + Q1 + P, SA + P, SA, SA - Q1), b = (SB ^ Q2, SB ^ P, SB, ~SB).
    (local.set $a (v128.const i32x4 0x3a79abd9 0x9c423228 0x165667b1 0x781eee00))
    (local.set $b (v128.const i32x4 0xeb4ac67e 0xa23f2158 0x27d4eb2f 0xd82b14d0))
    (local.set $end (i32.add (local.get $v) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $stripe
        (br_if $done (i32.ge_u (local.get $v) (local.get $end)))
        (local.set $k (i32x4.mul (v128.load (local.get $v)) (i32x4.splat (i32.const 0x85ebca77))))
        (local.set $a (i32x4.add (local.get $a) (local.get $k)))
        (local.set $a (i32x4.mul
          (v128.or (i32x4.shl (local.get $a) (i32.const 13)) (i32x4.shr_u (local.get $a) (i32.const 19)))
          (i32x4.splat (i32.const 0x9e3779b1))))
        (local.set $b (v128.xor (local.get $b) (local.get $k)))
        (local.set $b (i32x4.mul
          (v128.or (i32x4.shl (local.get $b) (i32.const 17)) (i32x4.shr_u (local.get $b) (i32.const 15)))
          (i32x4.splat (i32.const 0xcc9e2d51))))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $stripe)))
    (local.set $a0 (i32x4.extract_lane 0 (local.get $a)))
    (local.set $a1 (i32x4.extract_lane 1 (local.get $a)))
    (local.set $a2 (i32x4.extract_lane 2 (local.get $a)))
    (local.set $a3 (i32x4.extract_lane 3 (local.get $a)))
    (local.set $b0 (i32x4.extract_lane 0 (local.get $b)))
    (local.set $b1 (i32x4.extract_lane 1 (local.get $b)))
    (local.set $b2 (i32x4.extract_lane 2 (local.get $b)))
    (local.set $b3 (i32x4.extract_lane 3 (local.get $b)))
    ;; The last 0-3 words go to lanes 0, 1, 2 with the same rounds.
    (if (i32.and (local.get $n) (i32.const 3))
      (then
        (local.set $x (i32.mul (i32.load (local.get $v)) (i32.const 0x85ebca77)))
        (local.set $a0 (i32.mul (i32.rotl (i32.add (local.get $a0) (local.get $x)) (i32.const 13)) (i32.const 0x9e3779b1)))
        (local.set $b0 (i32.mul (i32.rotl (i32.xor (local.get $b0) (local.get $x)) (i32.const 17)) (i32.const 0xcc9e2d51)))))
    (if (i32.ge_u (i32.and (local.get $n) (i32.const 3)) (i32.const 2))
      (then
        (local.set $x (i32.mul (i32.load offset=4 (local.get $v)) (i32.const 0x85ebca77)))
        (local.set $a1 (i32.mul (i32.rotl (i32.add (local.get $a1) (local.get $x)) (i32.const 13)) (i32.const 0x9e3779b1)))
        (local.set $b1 (i32.mul (i32.rotl (i32.xor (local.get $b1) (local.get $x)) (i32.const 17)) (i32.const 0xcc9e2d51)))))
    (if (i32.eq (i32.and (local.get $n) (i32.const 3)) (i32.const 3))
      (then
        (local.set $x (i32.mul (i32.load offset=8 (local.get $v)) (i32.const 0x85ebca77)))
        (local.set $a2 (i32.mul (i32.rotl (i32.add (local.get $a2) (local.get $x)) (i32.const 13)) (i32.const 0x9e3779b1)))
        (local.set $b2 (i32.mul (i32.rotl (i32.xor (local.get $b2) (local.get $x)) (i32.const 17)) (i32.const 0xcc9e2d51)))))
    ;; Lanes combined with per-lane rotations, the length mixed in.
    (i32.store (local.get $out) (call $fmix
      (i32.add
        (i32.add
          (i32.add (i32.rotl (local.get $a0) (i32.const 1)) (i32.rotl (local.get $a1) (i32.const 7)))
          (i32.add (i32.rotl (local.get $a2) (i32.const 12)) (i32.rotl (local.get $a3) (i32.const 18))))
        (local.get $n))))
    (i32.store offset=4 (local.get $out) (call $fmix
      (i32.add
        (i32.add
          (i32.add (i32.rotl (local.get $b0) (i32.const 3)) (i32.rotl (local.get $b1) (i32.const 11)))
          (i32.add (i32.rotl (local.get $b2) (i32.const 17)) (i32.rotl (local.get $b3) (i32.const 23))))
        (i32.mul (local.get $n) (i32.const 0xcc9e2d51))))))

  ;; take(s, ref, n, out, fp): scan, then hash of the difference; returns scan's count.
  (func (export "take") (param $s i32) (param $ref i32) (param $n i32) (param $out i32) (param $fp i32) (result i32)
    (local $len i32)
    (local.set $len (call $scan (local.get $s) (local.get $ref) (local.get $n) (local.get $out)))
    (call $hash (local.get $out) (local.get $len) (local.get $fp))
    (local.get $len))
)
