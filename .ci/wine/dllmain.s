# Entry point of the forwarding bcryptprimitives.dll (see bcryptprimitives.def):
# DllMain(hinst, reason, reserved) returns TRUE for every reason.
	.text
	.globl DllMain
DllMain:
	movl $1, %eax
	ret
