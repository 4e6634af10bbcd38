;; learnloop's WebAssembly kernels for tree growing: gradient histograms, the row partition and the
;; gradients of binary log loss.
;;
;; Source of src/kernels/wasm/kernels.generated.ts (`npm run build:wasm` = tools/build-wasm.mjs, with wabt
;; from the npm registry; a test checks the committed bytes are this file compiled). The TypeScript callers
;; are ../histogram-wasm.ts and ../partition.ts; the JavaScript kernels of ../histogram.ts and
;; ../partition.ts are their naive twins and fallback, and give the same bits.
;;
;; Every pointer is a byte address in the one imported memory (shared, so that the histogram worker
;; threads instantiate this module over the same bytes). Layouts are those of the JavaScript kernels:
;;   bins:      column-major uint8; a column pointer $cj is the address of feature j's bin of row 0
;;   gradients: float32 pairs (gradient, hessian), 8 bytes per row
;;   histogram: float64 pairs (sum of gradients, sum of hessians), 16 bytes per bin; $hj is the address
;;              of feature j's bin 0
;;   rows:      int32 row indices
;;
;; hist_rows_W adds rows 0..n-1 (the pairs in row order) and hist_index_W the rows listed at $rows (the
;; pairs aligned with that list) to W features' histograms in one pass: each row's pair is loaded and
;; widened to float64 once, then each feature's bin gets one f64x2 add (gradient and hessian together).
;; Every bin's sums are added in row order, exactly as the JavaScript kernels add them. Four features per
;; pass measured fastest (0.36 ns per update for 800k rows x 28 features, against 0.39 with eight and
;; 1.7 for the JavaScript kernel, on a loaded machine); callers make passes of 1 to 4 features.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "hist_rows_1") (param $gh i32) (param $n i32) (param $c0 i32) (param $h0 i32)
    (local $end i32) (local $g v128) (local $a i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (local.get $c0)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_rows_2") (param $gh i32) (param $n i32) (param $c0 i32) (param $c1 i32) (param $h0 i32) (param $h1 i32)
    (local $end i32) (local $g v128) (local $a i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (local.get $c0)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (local.get $c1)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
      (local.set $c1 (i32.add (local.get $c1) (i32.const 1)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_rows_3") (param $gh i32) (param $n i32) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $h0 i32) (param $h1 i32) (param $h2 i32)
    (local $end i32) (local $g v128) (local $a i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (local.get $c0)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (local.get $c1)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h2) (i32.shl (i32.load8_u (local.get $c2)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
      (local.set $c1 (i32.add (local.get $c1) (i32.const 1)))
      (local.set $c2 (i32.add (local.get $c2) (i32.const 1)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_rows_4") (param $gh i32) (param $n i32) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (param $h0 i32) (param $h1 i32) (param $h2 i32) (param $h3 i32)
    (local $end i32) (local $g v128) (local $a i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (local.get $c0)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (local.get $c1)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h2) (i32.shl (i32.load8_u (local.get $c2)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h3) (i32.shl (i32.load8_u (local.get $c3)) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
      (local.set $c1 (i32.add (local.get $c1) (i32.const 1)))
      (local.set $c2 (i32.add (local.get $c2) (i32.const 1)))
      (local.set $c3 (i32.add (local.get $c3) (i32.const 1)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_index_1") (param $rows i32) (param $gh i32) (param $n i32) (param $c0 i32) (param $h0 i32)
    (local $end i32) (local $g v128) (local $a i32) (local $r i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $r (i32.load (local.get $rows)))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (i32.add (local.get $c0) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_index_2") (param $rows i32) (param $gh i32) (param $n i32) (param $c0 i32) (param $c1 i32) (param $h0 i32) (param $h1 i32)
    (local $end i32) (local $g v128) (local $a i32) (local $r i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $r (i32.load (local.get $rows)))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (i32.add (local.get $c0) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (i32.add (local.get $c1) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_index_3") (param $rows i32) (param $gh i32) (param $n i32) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $h0 i32) (param $h1 i32) (param $h2 i32)
    (local $end i32) (local $g v128) (local $a i32) (local $r i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $r (i32.load (local.get $rows)))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (i32.add (local.get $c0) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (i32.add (local.get $c1) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h2) (i32.shl (i32.load8_u (i32.add (local.get $c2) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )
  (func (export "hist_index_4") (param $rows i32) (param $gh i32) (param $n i32) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (param $h0 i32) (param $h1 i32) (param $h2 i32) (param $h3 i32)
    (local $end i32) (local $g v128) (local $a i32) (local $r i32)
    (local.set $end (i32.add (local.get $gh) (i32.shl (local.get $n) (i32.const 3))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $next
      (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $gh))))
      (local.set $r (i32.load (local.get $rows)))
      (local.set $a (i32.add (local.get $h0) (i32.shl (i32.load8_u (i32.add (local.get $c0) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h1) (i32.shl (i32.load8_u (i32.add (local.get $c1) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h2) (i32.shl (i32.load8_u (i32.add (local.get $c2) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $a (i32.add (local.get $h3) (i32.shl (i32.load8_u (i32.add (local.get $c3) (local.get $r))) (i32.const 4))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $g)))
      (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
      (local.set $gh (i32.add (local.get $gh) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $gh) (local.get $end)))
    )
  )

  ;; Binary log loss: the gradient pairs of rows 0..$n-1 from their raw scores (log odds, float64 at $raw),
  ;; labels (0/1, float64 at $y) and, when $weighted, weights (float64 at $w): p = 1 / (1 + exp(-raw)),
  ;; g = (p - y) w, h = max(p (1 - p), 1e-16) w, computed in float64 and stored as float32 pairs at $out;
  ;; the stored pairs are also added, row after row, to the float64 (gradient, hessian) sums at $sums.
  ;; Two rows a step, in f64x2. exp is fdlibm's __ieee754_exp (V8's Math.exp is the same port), with its
  ;; branches on |x| as lane masks: the argument reduction with k = trunc(x / ln2 +- 1/2) where |x| > 0.5 ln2
  ;; (k = 0 below: then the general formula is fdlibm's k = 0 one, bit for bit) and 1 + x where |x| < 2^-28.
  ;; So every value is the one of the JavaScript formula of ../../models/gbdt/loss.ts, bit for bit (tested).
  ;; Returns the rows done: it stops before an odd last row, and before a pair with |raw| >= 704 or NaN
  ;; (there fdlibm's overflow, underflow and 2^k scaling branches apply): the caller computes that row in
  ;; JavaScript and calls again from the next one.
  ;; Two passes: exp(-raw) into the output's 8-byte slots, then the pairs over them in place; each pass's
  ;; chain of dependent operations is half the length, so the processor overlaps more rows. Per row (800k
  ;; rows, a loaded machine, fastest of 40): 3.95 ns against 5.25 in one pass and 12 for the JavaScript
  ;; loop; f64x2.trunc rather than the i32x4 conversion and back, pmax rather than max (the same for numbers
  ;; that are not NaN) and the constants in locals each saved 5-15%.
  (func (export "logloss_gradients") (param $raw i32) (param $y i32) (param $w i32) (param $weighted i32) (param $out i32) (param $n i32) (param $sums i32) (result i32)
    (local $i i32) (local $x v128) (local $ax v128) (local $t v128) (local $hi v128) (local $lo v128) (local $r v128)
    (local $rr v128) (local $c v128) (local $e v128) (local $p v128) (local $g v128) (local $h v128) (local $wv v128)
    (local $pair v128) (local $s v128) (local $m i32) (local $out0 i32)
    (local $c704 v128) (local $invln2 v128) (local $half v128) (local $sign v128) (local $halfLn2 v128) (local $ln2hi v128) (local $ln2lo v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $p4 v128) (local $p5 v128) (local $one v128) (local $two v128) (local $bias v128) (local $tiny v128) (local $minHessian v128)
    ;; The constants in locals: V8 rebuilds a v128.const at every use.
    (local.set $c704 (v128.const f64x2 704 704))
    (local.set $invln2 (v128.const i64x2 0x3ff71547652b82fe 0x3ff71547652b82fe))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $sign (v128.const i64x2 0x8000000000000000 0x8000000000000000))
    (local.set $halfLn2 (v128.const i64x2 0x3fd62e4300000000 0x3fd62e4300000000))
    (local.set $ln2hi (v128.const i64x2 0x3fe62e42fee00000 0x3fe62e42fee00000))
    (local.set $ln2lo (v128.const i64x2 0x3dea39ef35793c76 0x3dea39ef35793c76))
    (local.set $p1 (v128.const i64x2 0x3fc555555555553e 0x3fc555555555553e))
    (local.set $p2 (v128.const i64x2 0xbf66c16c16bebd93 0xbf66c16c16bebd93))
    (local.set $p3 (v128.const i64x2 0x3f11566aaf25de2c 0x3f11566aaf25de2c))
    (local.set $p4 (v128.const i64x2 0xbebbbd41c5d26bf1 0xbebbbd41c5d26bf1))
    (local.set $p5 (v128.const i64x2 0x3e66376972bea4d0 0x3e66376972bea4d0))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $two (v128.const f64x2 2 2))
    (local.set $bias (v128.const f64x2 6755399441056767 6755399441056767))
    (local.set $tiny (v128.const i64x2 0x3e30000000000000 0x3e30000000000000))
    (local.set $minHessian (v128.const f64x2 1e-16 1e-16))
    (local.set $out0 (local.get $out))
    ;; Pass 1: e = exp(-raw) into the pair slots of $out (8 bytes a row, as a float64).
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (local.set $x (f64x2.neg (v128.load (local.get $raw))))
        (local.set $ax (f64x2.abs (local.get $x)))
        (br_if $done (i32.eqz (i64x2.all_true (f64x2.lt (local.get $ax) (local.get $c704)))))
        ;; t = k: trunc(x / ln2 + copysign(0.5, x)) (fdlibm's int conversion; |k| < 1017 here) where |x| >= 0x3fd62e4300000000 (fdlibm's hx > 0x3fd62e42), else 0
        (local.set $t (v128.and
          (f64x2.trunc (f64x2.add
            (f64x2.mul (local.get $x) (local.get $invln2))
            (v128.or (local.get $half) (v128.and (local.get $x) (local.get $sign)))))
          (f64x2.ge (local.get $ax) (local.get $halfLn2))))
        ;; hi = x - t ln2HI (exact), lo = t ln2LO, r = hi - lo
        (local.set $hi (f64x2.sub (local.get $x) (f64x2.mul (local.get $t) (local.get $ln2hi))))
        (local.set $lo (f64x2.mul (local.get $t) (local.get $ln2lo)))
        (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
        (local.set $rr (f64x2.mul (local.get $r) (local.get $r)))
        ;; c = r - rr (P1 + rr (P2 + rr (P3 + rr (P4 + rr P5))))
        (local.set $c (f64x2.sub (local.get $r) (f64x2.mul (local.get $rr)
          (f64x2.add (local.get $p1) (f64x2.mul (local.get $rr)
          (f64x2.add (local.get $p2) (f64x2.mul (local.get $rr)
          (f64x2.add (local.get $p3) (f64x2.mul (local.get $rr)
          (f64x2.add (local.get $p4) (f64x2.mul (local.get $rr)
          (local.get $p5))))))))))))
        ;; e = (1 - ((lo - r c / (2 - c)) - hi)) 2^k; 2^k's bits are (k + 1023) << 52, k + 1023 read from
        ;; the low bits of t + 1023 + 1.5 2^52 (|k| <= 1016 here)
        (local.set $e (f64x2.mul
          (f64x2.sub (local.get $one) (f64x2.sub (f64x2.sub (local.get $lo)
            (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub (local.get $two) (local.get $c)))) (local.get $hi)))
          (i64x2.shl (f64x2.add (local.get $t) (local.get $bias)) (i32.const 52))))
        (local.set $e (v128.bitselect (f64x2.add (local.get $one) (local.get $x)) (local.get $e)
          (f64x2.lt (local.get $ax) (local.get $tiny))))
        (v128.store (local.get $out) (local.get $e))
        (local.set $raw (i32.add (local.get $raw) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)
      )
    )
    ;; Pass 2: the pairs from e, in place, and their sums in row order.
    (local.set $m (local.get $i))
    (local.set $out (local.get $out0))
    (local.set $s (v128.load (local.get $sums)))
    (local.set $i (i32.const 0))
    (block $done2
      (loop $next2
        (br_if $done2 (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $e (v128.load (local.get $out)))
        (local.set $p (f64x2.div (local.get $one) (f64x2.add (local.get $one) (local.get $e))))
        (local.set $g (f64x2.sub (local.get $p) (v128.load (local.get $y))))
        (local.set $h (f64x2.pmax (f64x2.mul (local.get $p) (f64x2.sub (local.get $one) (local.get $p))) (local.get $minHessian)))
        (if (local.get $weighted) (then
          (local.set $wv (v128.load (local.get $w)))
          (local.set $g (f64x2.mul (local.get $g) (local.get $wv)))
          (local.set $h (f64x2.mul (local.get $h) (local.get $wv)))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))))
        ;; (g0, h0, g1, h1) as float32, then the sums in row order
        (local.set $pair (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $g)) (f32x4.demote_f64x2_zero (local.get $h))))
        (v128.store (local.get $out) (local.get $pair))
        (local.set $s (f64x2.add (local.get $s) (f64x2.promote_low_f32x4 (local.get $pair))))
        (local.set $s (f64x2.add (local.get $s) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $pair) (local.get $pair)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next2)
      )
    )
    (v128.store (local.get $sums) (local.get $s))
    (local.get $m)
  )

  ;; Stable partition of the $count rows at $rows (with their 8-byte gradient pairs at $pairs) by
  ;; goLeft[bin]: the left rows first, then the right ones, each in their original order; returns how many
  ;; go left. Branch-free, as partitionRowsWithPairs in ../partition.ts: every row is written to both
  ;; destinations (the right ones to the scratch lists) and only the matching cursor advances; the right
  ;; rows are then copied after the left ones. The pairs are moved as 64-bit integers, bit for bit.
  (func (export "partition") (param $rows i32) (param $pairs i32) (param $count i32) (param $col i32) (param $goLeft i32) (param $scratchRows i32) (param $scratchPairs i32) (result i32)
    (local $i i32) (local $r i32) (local $pair i64) (local $left i32) (local $nLeft i32) (local $nRight i32)
    (if (i32.eqz (local.get $count)) (then (return (i32.const 0))))
    (loop $next
      (local.set $r (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $pair (i64.load (i32.add (local.get $pairs) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $left (i32.load8_u (i32.add (local.get $goLeft) (i32.load8_u (i32.add (local.get $col) (local.get $r))))))
      (i32.store (i32.add (local.get $rows) (i32.shl (local.get $nLeft) (i32.const 2))) (local.get $r))
      (i64.store (i32.add (local.get $pairs) (i32.shl (local.get $nLeft) (i32.const 3))) (local.get $pair))
      (i32.store (i32.add (local.get $scratchRows) (i32.shl (local.get $nRight) (i32.const 2))) (local.get $r))
      (i64.store (i32.add (local.get $scratchPairs) (i32.shl (local.get $nRight) (i32.const 3))) (local.get $pair))
      (local.set $nLeft (i32.add (local.get $nLeft) (local.get $left)))
      (local.set $nRight (i32.sub (i32.add (local.get $nRight) (i32.const 1)) (local.get $left)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $count)))
    )
    (memory.copy (i32.add (local.get $rows) (i32.shl (local.get $nLeft) (i32.const 2))) (local.get $scratchRows) (i32.shl (local.get $nRight) (i32.const 2)))
    (memory.copy (i32.add (local.get $pairs) (i32.shl (local.get $nLeft) (i32.const 3))) (local.get $scratchPairs) (i32.shl (local.get $nRight) (i32.const 3)))
    (local.get $nLeft)
  )
)
