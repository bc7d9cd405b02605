/// A table fitted into a terminal's width: of several layouts (which columns, and which of them may
/// be cut), the first that fits is used, so a narrow terminal loses whole columns before a wide one
/// cuts every column a little. No line comes out wider than the width.
struct ColumnFit {
    struct Column {
        /// Header first, then one cell per row, each already escaped.
        let cells: [String]
        /// The widest the column gets, on any terminal: a longer cell is cut with an ellipsis.
        var cap = Int.max

        var natural: Int { min(cap, cells.map(TerminalText.width).max() ?? 0) }
    }

    enum Use {
        /// At its natural width.
        case whole
        /// Anywhere from `minimum` up to its natural width, given what the whole columns leave.
        case cut(minimum: Int)
    }

    typealias Layout = [(column: Int, use: Use)]

    static let separator = "  "

    /// The rows (the header first), each cell cut and padded to its column, fitted into `width`
    /// columns (nil: no limit). The last layout should fit any width, like `[(id, .cut(minimum: 1))]`;
    /// if none does, it is used anyway and its lines are cut at the width.
    static func lines(_ columns: [Column], layouts: [Layout], width: Int?) -> [String] {
        let limit = width ?? Int.max
        let separatorWidth = separator.count
        func needs(_ layout: Layout) -> Int {
            layout.reduce(separatorWidth * max(0, layout.count - 1)) { total, placed in
                let natural = columns[placed.column].natural
                return switch placed.use {
                case .whole: total + natural
                case .cut(let minimum): total + min(minimum, natural)
                }
            }
        }
        let layout = layouts.first { needs($0) <= limit } ?? layouts.last!
        // What the layout leaves over goes to its cut columns from the left: the rightmost (the
        // purpose) is the one cut first.
        var spare = limit == Int.max ? Int.max : limit - needs(layout)
        let widths = layout.map { placed in
            let natural = columns[placed.column].natural
            switch placed.use {
            case .whole: return natural
            case .cut(let minimum):
                let start = min(minimum, natural)
                let grown = start + min(spare, natural - start)
                spare -= grown - start
                return grown
            }
        }
        let rows = columns.first?.cells.indices ?? 0..<0
        return rows.map { row in
            let cells = zip(layout, widths).map { placed, columnWidth in
                TerminalText.pad(TerminalText.cut(columns[placed.column].cells[row], to: columnWidth), to: columnWidth)
            }
            var line = cells.joined(separator: separator)
            while line.last == " " { line.removeLast() }
            return TerminalText.cut(line, to: limit)
        }
    }
}
