/// One record of a CSV file: its fields and the 1-based line it starts on.
struct CSVRecord: Equatable {
    let line: Int
    let fields: [String]
}

/// Parses CSV `text` per RFC 4180: comma-separated fields, a field in double quotes may hold
/// commas, line breaks and `""` for a quote; lines end in LF or CRLF. A leading UTF-8 byte
/// order mark and blank lines are skipped. Errors name `file` and the line.
func parseCSV(_ text: String, file: String) throws -> [CSVRecord] {
    var records: [CSVRecord] = []
    var fields: [String] = [], field: [Unicode.Scalar] = []
    var line = 1, recordLine = 1
    var inQuotes = false, wasQuoted = false, afterQuote = false
    var scalars = Array(text.unicodeScalars)
    if scalars.first == "\u{FEFF}" { scalars.removeFirst() }

    func endField() {
        fields.append(String(String.UnicodeScalarView(field)))
        field = []; wasQuoted = false; afterQuote = false
    }
    func endRecord() {
        endField()
        if !(fields.count == 1 && fields[0].isEmpty) { records.append(CSVRecord(line: recordLine, fields: fields)) }
        fields = []
    }

    var i = 0
    while i < scalars.count {
        let c = scalars[i]
        if inQuotes {
            if c == "\"" {
                if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                    field.append("\""); i += 1
                } else {
                    inQuotes = false; afterQuote = true
                }
            } else {
                if c == "\n" { line += 1 }
                field.append(c)
            }
        } else if c == "," {
            endField()
        } else if c == "\n" || (c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n") {
            if c == "\r" { i += 1 }
            endRecord()
            line += 1
            recordLine = line
        } else if afterQuote {
            throw DatasetError.csv(file: file, line: line, reason: "unexpected '\(c)' after a closing quote")
        } else if c == "\"" {
            guard field.isEmpty, !wasQuoted else {
                throw DatasetError.csv(file: file, line: line, reason: "a quote inside an unquoted field; quote the whole field and double the quote")
            }
            inQuotes = true; wasQuoted = true
        } else {
            field.append(c)
        }
        i += 1
    }
    if inQuotes { throw DatasetError.csv(file: file, line: recordLine, reason: "a quoted field is never closed") }
    endRecord()
    return records
}
