/// `graph` with every inference pass applied, in order: identities dropped, batch norms folded
/// into their convolutions, residual sums and then activations fused into them.
public func optimizedForInference(_ graph: Graph) -> Graph {
    fuseActivations(fuseResidualSums(foldBatchNorms(dropInferenceIdentities(graph))))
}
