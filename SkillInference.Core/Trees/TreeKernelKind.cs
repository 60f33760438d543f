namespace SkillInference.Trees;

/// <summary>Which layout scores a compiled ensemble (all give identical results).</summary>
internal enum TreeKernelKind
{
    /// <summary>Heap for balanced shallow trees, else QuickScorer, else the self-looping layout.</summary>
    Auto,

    /// <summary>Complete binary trees in heap order (depth up to 8).</summary>
    Heap,

    /// <summary>QuickScorer (up to 64 leaves per tree).</summary>
    QuickScorer,

    /// <summary>Nodes pointing at their children, leaves at themselves (any shape).</summary>
    SelfLoop,
}
