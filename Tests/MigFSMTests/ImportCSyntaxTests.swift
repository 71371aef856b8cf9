import Foundation
import XCTest
@testable import MigFSM

/// The C statement and expression readers behind import-c's interpreter
/// and audit-driver's path walker: what they read, what they keep opaque,
/// and how they stay bounded on hostile input.
final class ImportCSyntaxTests: XCTestCase {
    func file(_ text: String, path: String = "t.c") throws -> CFile {
        let source = CSource(try SourceText(path: path, bytes: Array(text.utf8)))
        return CFile(source: source, tokens: try CTokenizer.tokenize(source))
    }

    func body(_ text: String) throws -> CStatement {
        let file = try file("void f(void)\n{\n" + text + "\n}\n")
        return try XCTUnwrap(file.body(of: XCTUnwrap(file.functions.first)))
    }

    func testFunctionsPrototypesAndOperations() throws {
        let file = try file("""
            static struct file *
            step(struct dev *d, u32 new)
            {
            \treturn NULL;
            }
            int qat_vfmig_resume(struct qat_mig_dev *mdev);
            EXPORT_SYMBOL_GPL(step);
            static const struct vfio_migration_ops ops = {
            \t.migration_set_state = set_state,
            \t.reset_done = &reset_done,
            };
            module_pci_driver(acme_driver);
            """)
        XCTAssertEqual(file.functions.map(\.name.text), ["step", "qat_vfmig_resume"])
        XCTAssertEqual(file.functions.map(\.returns), [.pointer, .integer])
        XCTAssertEqual(file.functions[0].parameters.map { $0.name?.text }, ["d", "new"])
        XCTAssertEqual(file.functions[0].parameters.map(\.isPointer), [true, false])
        XCTAssertEqual(file.operations.map { "\($0.field)=\($0.function.text)" }, ["migration_set_state=set_state", "reset_done=reset_done"])
        XCTAssertTrue(file.registersModule)
    }

    func testStatementsAndExpressions() throws {
        let statement = try body("""
            \tu32 cur = mvdev->mig_state, *p = NULL;
            \tif ((cur == VFIO_DEVICE_STATE_RUNNING_P2P && (new == VFIO_DEVICE_STATE_RUNNING || new == VFIO_DEVICE_STATE_STOP)))
            \t\treturn (struct file *)NULL;
            \tlist_for_each_entry(entry, &head, node) {
            \t\tkfree(entry);
            \t}
            \tret = container_of(core, struct acme_dev, core_device)->flags ? -EINVAL : 0;
            \tswitch (cur) { case VFIO_DEVICE_STATE_STOP: break; default: goto out; }
            out:
            \treturn ERR_PTR(ret);
            """)
        guard case .block(let statements, _) = statement else { return XCTFail("not a block") }
        let kinds = statements.map { statement -> String in
            switch statement {
            case .declaration(_, let declarators): return "declaration \(declarators.map(\.name.text))"
            case .ifStatement(let condition, _, _, _): return "if " + condition.spelling
            case .whileLoop(let condition, _, _): return "loop " + (condition.calleeName ?? "")
            case .expression(let expression): return "expression " + expression.spelling
            case .switchStatement: return "switch"
            case .label(let token): return "label " + token.text
            case .returnStatement(let value, _): return "return " + (value?.spelling ?? "")
            case .unreadable(_, let reason): return "unreadable " + reason
            default: return "other"
            }
        }
        XCTAssertEqual(kinds, [
            "declaration [\"cur\", \"p\"]",
            "if (cur == VFIO_DEVICE_STATE_RUNNING_P2P && (new == VFIO_DEVICE_STATE_RUNNING || new == VFIO_DEVICE_STATE_STOP))",
            "loop list_for_each_entry",
            "expression ret = container_of(core, ..., core_device)->flags ? -EINVAL : 0",
            "switch",
            "label out",
            "return ERR_PTR(ret)",
        ])
    }

    /// A statement it cannot read is kept, located, and reading goes on.
    func testUnreadableStatementsAreSkippedNotGuessed() throws {
        let statement = try body("\tfoo bar baz;\n\tcase_range(1 ... 2);\n\treturn 0;")
        guard case .block(let statements, _) = statement else { return XCTFail("not a block") }
        XCTAssertEqual(statements.count, 3)
        if case .unreadable(let token, let reason) = statements[0] {
            XCTAssertEqual(token.line, 3)
            XCTAssertEqual(reason, "expected ';' after the declaration, found 'baz'")
        } else {
            XCTFail("\(statements[0])")
        }
        if case .returnStatement = statements[2] {} else { XCTFail("\(statements[2])") }
    }

    /// Nesting deeper than the readers' bounds ends in an unreadable
    /// statement, never a stack overflow.
    func testDeepNestingIsBounded() throws {
        let depth = 20_000
        let blocks = try body(String(repeating: "{", count: depth) + String(repeating: "}", count: depth))
        var unreadable = 0
        blocks.forEach { if case .unreadable = $0 { unreadable += 1 } }
        XCTAssertEqual(unreadable, 1)
        let parentheses = try body("x = " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth) + ";\nreturn;")
        guard case .block(let statements, _) = parentheses else { return XCTFail("not a block") }
        if case .unreadable(_, let reason) = statements[0] {
            XCTAssertEqual(reason, "expression nested more than 128 deep")
        } else {
            XCTFail("\(statements[0])")
        }
        XCTAssertEqual(statements.count, 2)
        // Long chains make trees as deep as they are long: bounded too.
        for chain in [String(repeating: "a || ", count: depth) + "b", String(repeating: "a->", count: depth) + "b",
                      String(repeating: "a, ", count: depth) + "b"] {
            let long = try body("if (" + chain + ")\n\treturn;\nreturn;")
            guard case .block(let statements, _) = long, case .unreadable(_, let reason) = statements[0] else {
                return XCTFail("a long chain was read")
            }
            XCTAssertEqual(reason, "expression chains more than 64 operands")
        }
    }

    /// Bad input for audit-driver: each a located finding and exit 1, or a
    /// clean note, never a trap or a hang.
    func testHostileDriverInputs() throws {
        let cases: [(String, String)] = [
            ("kr.c", "int step(cur, new)\nint cur;\nint new;\n{\n\tif (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING)\n\t\treturn 0;\n}\n"),
            ("unbalanced.c", "static struct file *step(struct d *d, u32 new)\n{\n\tu32 cur = d->state;\n\tif (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) {\n\t\treturn NULL;\n"),
            ("macros.c", "#define STEP(a, b) if (cur == a && new == b) return NULL\nstatic struct file *step(struct d *d, u32 new)\n{\n\tu32 cur = d->state;\n\tSTEP(VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING);\n\tFOO BAR(BAZ) { QUX }\n\treturn ERR_PTR(-EINVAL);\n}\n"),
            ("goto.c", "static struct file *step(struct d *d, u32 new)\n{\n\tu32 cur = d->state;\nagain:\n\tif (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING)\n\t\tgoto again;\n\tif (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP)\n\t\treturn NULL;\n\treturn ERR_PTR(-EINVAL);\n}\n"),
        ]
        for (name, text) in cases {
            let path = ImportFixtures.temporary(name, text)
            let result = runCLI("audit-driver", path, "--spec", ImportFixtures.spec)
            XCTAssertEqual(result.status, .failure, name)
            XCTAssertTrue(result.out.hasSuffix("note\n") || result.out.hasSuffix("notes\n"), "\(name): \(result.out)")
            XCTAssertEqual(result.err, "", name)
        }
        // The `goto` back to the start loops: the walker stops it within its step budget.
        let loop = DriverAudit.run(paths: [ImportFixtures.temporary("goto.c", cases[3].1)], model: Repository.vfio)
        XCTAssertEqual(loop.drivers.first?.model.branches.map { Repository.vfio.describe($0.arc) }, ["RUNNING -> STOP"])
    }

    /// Reset helpers that branch eight ways and call each other twice, four
    /// levels deep: the walk's shared budget bounds the work (without it,
    /// 64 paths at each of four levels multiply).
    func testNestedResetHelpersAreBounded() {
        var text = "static struct file *step(struct d *d, u32 new)\n{\n\tu32 cur = d->mig_state;\n"
            + "\tif (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING)\n\t\treturn NULL;\n\treturn ERR_PTR(-EINVAL);\n}\n"
        for level in stride(from: 4, through: 1, by: -1) {
            text += "static void f\(level)(struct d *d)\n{\n"
            for bit in 0..<8 { text += "\tif (d->bit\(bit)) d->mig_state = VFIO_DEVICE_STATE_RUNNING;\n" }
            if level < 4 { text += "\tf\(level + 1)(d);\n\tf\(level + 1)(d);\n" }
            text += "}\n"
        }
        text += "static struct file *set_state(struct vfio_device *v, u32 new_state)\n{\n\tstruct d *d = v->priv;\n\tu32 next;\n"
            + "\tstruct file *res = NULL;\n\twhile (new_state != d->mig_state) {\n"
            + "\t\tif (vfio_mig_get_next_state(v, d->mig_state, new_state, &next))\n\t\t\tbreak;\n"
            + "\t\tres = step(d, next);\n\t\td->mig_state = next;\n\t}\n\treturn res;\n}\n"
            + "static void reset_done(struct pci_dev *p)\n{\n\tstruct d *d = p->priv;\n\tf1(d);\n\tf1(d);\n}\n"
            + "static const struct x ops = { .migration_set_state = set_state, .reset_done = reset_done, };\n"
            + "static void init(struct vfio_device *v) { v->migration_flags = VFIO_MIGRATION_STOP_COPY; }\n"
        let audit = DriverAudit.run(paths: [ImportFixtures.temporary("nested.c", text)], model: Repository.vfio)
        // Too many paths to follow: a note, not a guess.
        XCTAssertEqual(audit.drivers.first?.model.resets[Repository.vfio.set("STOP_COPY")]?.map(\.incomplete), [true])
        XCTAssertFalse(audit.findings.contains { $0.kind.hasPrefix("reset-") })
        XCTAssertTrue(audit.findings.contains { $0.kind == "not-read" && $0.message.contains("reset_done() has paths migfsm cannot follow") }, "\(audit.findings)")
    }

    /// A 10 MB driver file: read in linear time (the same findings as the
    /// small file it grows from).
    func testTenMegabyteDriverFile() throws {
        let base = try String(contentsOfFile: ImportFixtures.path("drivers/always-fails/acme_ssd.c"), encoding: .utf8)
        var text = base
        var index = 0
        while text.utf8.count < 10 << 20 {
            text += "static int filler_\(index)(struct acme_ssd *ssd)\n{\n\tif (ssd->state == VFIO_DEVICE_STATE_STOP)\n\t\treturn acme_ssd_pause(ssd);\n\treturn 0;\n}\n"
            index += 1
        }
        let big = DriverAudit.run(paths: [ImportFixtures.temporary("acme_ssd.c", text)], model: Repository.vfio)
        let small = DriverAudit.run(paths: [ImportFixtures.temporary("acme_ssd.c", base)], model: Repository.vfio)
        XCTAssertEqual(big.findings.map(\.kind), small.findings.map(\.kind))
        XCTAssertEqual(big.findings.map(\.message), small.findings.map(\.message))
    }
}
