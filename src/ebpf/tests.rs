use super::*;

fn finished(a: &Asm) -> Result<Program, AsmError> {
    let mut p = Program::new();
    a.finish(&mut p).map(|()| p)
}

fn ctx(words: [u32; 3]) -> [u8; 12] {
    let mut b = [0u8; 12];
    for (i, w) in words.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
    }
    b
}

/// Returns 1 if ctx word 1 is 7, 2 if word 2 has bit 4, else 3.
fn sample() -> Program {
    let mut a = Asm::new();
    let seven = a.label();
    let bit = a.label();
    a.load_u32(R2, R1, 4);
    a.load_u32(R3, R1, 8);
    a.jump_if(Cond::Eq, R2, Src::K(7), seven);
    a.jump_if(Cond::Set, R3, Src::K(4), bit);
    a.alu(Width::W64, Alu::Mov, R0, Src::K(3));
    a.exit();
    a.place(seven);
    a.alu(Width::W64, Alu::Mov, R0, Src::K(1));
    a.exit();
    a.place(bit);
    a.alu(Width::W64, Alu::Mov, R0, Src::K(2));
    a.exit();
    finished(&a).unwrap()
}

#[test]
fn insn_is_the_kernels_struct_bpf_insn() {
    // `r2 = *(u32 *)(r1 + 4)` as the kernel's BPF_LDX_MEM(BPF_W, BPF_REG_2,
    // BPF_REG_1, 4) lays it out on a little-endian machine:
    // 61 12 04 00 00 00 00 00.
    let i = Insn::new(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 4, 0);
    assert_eq!(i.code, 0x61);
    if cfg!(target_endian = "little") {
        assert_eq!(i.regs, 0x12);
    }
    assert_eq!((i.dst(), i.src(), i.off, i.imm), (R2, R1, 4, 0));
    assert_eq!(core::mem::offset_of!(Insn, regs), 1);
    assert_eq!(core::mem::offset_of!(Insn, off), 2);
    assert_eq!(core::mem::offset_of!(Insn, imm), 4);
}

#[test]
fn jumps_land_on_their_labels() {
    let p = sample();
    validate(p.insns()).unwrap();
    assert_eq!(p.insns().len(), 10);
    assert_eq!(p.insns()[2].off, 3);
    assert_eq!(p.insns()[3].off, 4);
    assert_eq!(run(p.insns(), &ctx([0, 7, 0])), Some(1));
    assert_eq!(run(p.insns(), &ctx([0, 6, 4])), Some(2));
    assert_eq!(run(p.insns(), &ctx([0, 6, 3])), Some(3));
    // The program reads offset 8: a short context is a fault.
    assert_eq!(run(p.insns(), &[0u8; 8]), None);
}

#[test]
fn alu_widths_and_operands() {
    let mut a = Asm::new();
    a.load_u32(R2, R1, 0);
    a.alu(Width::W64, Alu::Mov, R3, Src::X(R2));
    a.alu(Width::W32, Alu::Rsh, R3, Src::K(16));
    a.alu(Width::W32, Alu::And, R2, Src::K(0xffff));
    a.alu(Width::W64, Alu::Mov, R0, Src::X(R3));
    a.alu(Width::W64, Alu::Rsh, R0, Src::K(0));
    let done = a.label();
    a.jump_if(Cond::Ne, R2, Src::K(2), done);
    a.alu(Width::W64, Alu::Mov, R4, Src::K(-1));
    a.alu(Width::W64, Alu::And, R0, Src::X(R4));
    a.goto(done);
    a.place(done);
    a.exit();
    let p = finished(&a).unwrap();
    validate(p.insns()).unwrap();
    assert_eq!(run(p.insns(), &ctx([0x0006_0002, 0, 0])), Some(6));
    // A 64-bit move of -1 is all ones; a 32-bit one is not.
    let mut a = Asm::new();
    a.alu(Width::W64, Alu::Mov, R0, Src::K(-1));
    a.exit();
    assert_eq!(run(finished(&a).unwrap().insns(), &[]), Some(u64::MAX));
    let mut a = Asm::new();
    a.alu(Width::W32, Alu::Mov, R0, Src::K(-1));
    a.exit();
    assert_eq!(run(finished(&a).unwrap().insns(), &[]), Some(0xffff_ffff));
}

#[test]
fn labels_must_be_placed_and_forward() {
    let mut a = Asm::new();
    let l = a.label();
    a.goto(l);
    assert_eq!(finished(&a).err(), Some(AsmError::UnplacedLabel));
    let mut a = Asm::new();
    let l = a.label();
    a.place(l);
    a.goto(l);
    assert_eq!(finished(&a).err(), Some(AsmError::BackwardJump));
    let mut a = Asm::new();
    for _ in 0..=MAX_ITEMS {
        a.exit();
    }
    assert_eq!(finished(&a).err(), Some(AsmError::TooLong));
}

#[test]
fn validator_rejects_what_the_verifier_rejects() {
    let exit = Insn::new(BPF_JMP | BPF_EXIT, R0, R0, 0, 0);
    let mov0 = Insn::new(BPF_ALU64 | BPF_MOV | BPF_K, R0, R0, 0, 0);
    let ja = |off| Insn::new(BPF_JMP | BPF_JA, R0, R0, off, 0);
    let jeq = |dst, off| Insn::new(BPF_JMP | BPF_JEQ | BPF_K, dst, R0, off, 0);
    let load = |dst, src| Insn::new(BPF_LDX | BPF_MEM | BPF_W, dst, src, 0, 0);
    assert_eq!(validate(&[mov0, exit]), Ok(()));
    assert_eq!(validate(&[]), Err(Invalid::Empty));
    assert_eq!(validate(&[exit]), Err(Invalid::UnsetRegister(0)));
    assert_eq!(validate(&[mov0]), Err(Invalid::NoFinalExit));
    assert_eq!(validate(&[mov0, exit, exit]), Err(Invalid::Unreachable(2)));
    assert_eq!(
        validate(&[mov0, ja(1), exit, exit]),
        Err(Invalid::Unreachable(2))
    );
    assert_eq!(validate(&[mov0, ja(-2), exit]), Err(Invalid::BadJump(1)));
    assert_eq!(validate(&[mov0, ja(1), exit]), Err(Invalid::BadJump(1)));
    // r0 set on one path only.
    let r2 = Reg(2);
    let p = [load(r2, R1), jeq(r2, 1), mov0, exit];
    assert_eq!(validate(&p), Err(Invalid::UnsetRegister(3)));
    // r3 never set; r1 is.
    assert_eq!(
        validate(&[load(r2, Reg(3)), mov0, exit]),
        Err(Invalid::UnsetRegister(0))
    );
    assert_eq!(
        validate(&[load(R10, R1), mov0, exit]),
        Err(Invalid::BadRegister(0))
    );
    assert_eq!(
        validate(&[load(r2, Reg(11)), mov0, exit]),
        Err(Invalid::BadRegister(0))
    );
    let shift = Insn::new(BPF_ALU | BPF_RSH | BPF_K, R0, R0, 0, 32);
    assert_eq!(validate(&[mov0, shift, exit]), Err(Invalid::BadShift(1)));
    // BPF_MUL (0x20): `r0 *= 1`, outside the subset.
    let unknown = Insn::new(BPF_ALU64 | 0x20 | BPF_K, R0, R0, 0, 1);
    assert_eq!(
        validate(&[mov0, unknown, exit]),
        Err(Invalid::UnknownInstruction(1))
    );
    let big = [mov0; MAX_INSNS + 1];
    assert_eq!(validate(&big), Err(Invalid::TooLong));
}

#[test]
fn interpreter_refuses_what_the_verifier_would() {
    let exit = Insn::new(BPF_JMP | BPF_EXIT, R0, R0, 0, 0);
    // r0 unset; r0 = the context pointer (a pointer leak).
    assert_eq!(run(&[exit], &[]), None);
    let leak = Insn::new(BPF_ALU64 | BPF_MOV | BPF_X, R0, R1, 0, 0);
    assert_eq!(run(&[leak, exit], &[]), None);
    // Running off the end.
    let mov0 = Insn::new(BPF_ALU64 | BPF_MOV | BPF_K, R0, R0, 0, 0);
    assert_eq!(run(&[mov0], &[]), None);
}
