#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Each lane truncated toward zero; lanes must be within Int32's range. On x86-64 one SSE2
/// instruction (`cvttps2dq`); the standard library's generic conversion does not compile to it.
@inline(__always) func truncatedToInt32(_ x: SIMD4<Float>) -> SIMD4<Int32> {
    #if arch(x86_64)
    return unsafeBitCast(_mm_cvttps_epi32(x), to: SIMD4<Int32>.self)
    #else
    return SIMD4<Int32>(x, rounding: .towardZero)
    #endif
}
