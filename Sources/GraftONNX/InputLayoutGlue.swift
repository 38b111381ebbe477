extension ImportDraft {
    /// Removes the Transpose that turns an NHWC input into NCHW, when it is the input's only
    /// reader (what tf2onnx writes): the graph then reads NCHW, as Graft feeds it. Returns the
    /// layout the graph reads now.
    mutating func removeInputTranspose(declared layout: ImportedInput.Layout) -> ImportedInput.Layout {
        guard layout == .nhwc, let readers = consumers[input], readers.count == 1 else { return layout }
        let node = nodes[readers[0]]
        guard node.op == .transpose(perm: [0, 3, 1, 2]), node.inputs.first == input, let out = node.outputs.first else { return layout }
        nodes.remove(at: readers[0])
        rename(out, to: input)
        fold("Transpose (NHWC input)")
        return .nchw
    }
}
