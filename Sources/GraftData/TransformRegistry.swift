/// Every transform the pipeline syntax knows, one entry each. A new transform conforms to
/// `SpecTransform` (its entry, next to the transform) and adds one line here; the parser
/// (`Pipeline(spec:mean:std:)`), the printer (`Pipeline.spec`) and the help text
/// (`Pipeline.specHelp`) follow.
public enum TransformRegistry {
    /// The entries, in the order the help text lists them.
    public static let entries: [TransformEntry] = [
        Resize.specEntry,
        CenterCrop.specEntry,
        RandomCrop.specEntry,
        RandomResizedCrop.specEntry,
        HorizontalFlip.specEntry,
        VerticalFlip.specEntry,
        Rotation.specEntry,
        Shear.specEntry,
        RandomAffine.specEntry,
        ElasticDeformation.specEntry,
        GridDistortion.specEntry,
        ColorJitter.specEntry,
        ColorShift.specEntry,
        PCALighting.specEntry,
        Grayscale.specEntry,
        RandomErasing.specEntry,
    ]

    /// The entry named `name` (lower case, `-` for `_`), or nil.
    public static func entry(named name: String) -> TransformEntry? { entries.first { $0.name == name } }
}
